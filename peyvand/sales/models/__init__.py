"""Sales models, one module per part of the process; Django sees them all through this package."""

from .pipelines import *  # noqa: F403  (pipelines, stages, deals, stage history)
from .quotes import *  # noqa: F403  (quotes and their versions and lines)
from .targets import *  # noqa: F403  (sales targets per user/team and period)
