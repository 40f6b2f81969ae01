"""Service-desk models, one module per part of the desk, all seen by Django through this package."""

from .mail import *  # noqa: F403  (e-mail threading of tickets)
from .resources import *  # noqa: F403  (knowledge articles and canned responses used on tickets)
from .sla import *  # noqa: F403  (business calendars, SLA policies, breaches, CSAT surveys)
from .tickets import *  # noqa: F403  (tickets, conversation, tiers, routing rules, escalations)
