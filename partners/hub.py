"""How the partners app plugs into the shell: its part of the demo data (`register()`, called from
PartnersConfig.ready); the partner directory and hub are linked from the base template itself."""

from partnerportal import hub


def seed_demo(demo):
    """The app's demo data (its demo module loads only when the demo is seeded)."""
    from . import demo as app_demo

    app_demo.seed(demo)


def register():
    hub.demo_part("partners", seed_demo, order=10)
