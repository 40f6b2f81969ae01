import sys
from pathlib import Path

# The harness is a script directory (bench/), not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
