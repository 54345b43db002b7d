"""How the partners app plugs into the shell: its part of the demo data (`register()`, called from
PartnersConfig.ready); the partner directory and hub are linked from the base template itself."""

from partnerportal import hub

from . import demo


def register():
    hub.demo_part("partners", demo.seed, order=10)
