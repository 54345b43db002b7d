"""Demo history of the relationship practices: a year of notices, cases, engagements, roadmap
plans, surveys, kudos, health snapshots and the timeline, in Danish. Idempotent: each item is
looked up by its title first, so running `seed_demo` twice changes nothing.

Items are created through the services (so notifications and timeline lines are real) and then
moved back in time; notifications about things long past are removed from the outbox.

The partners differ, so their health scores do: DanLog and CleanTech inform early, answer notices
within hours and close cases in days; Jysk Fragt answers more slowly; Emballage Nord leaves notices
unanswered and cases open, and the host rated the cooperation low in the last survey.

The content (content.py), the makers (makers.py) and `seed()` (seeding.py) are apart; `seed_demo` calls
`relations.demo.seed`.
"""

from .seeding import seed

__all__ = ["seed"]
