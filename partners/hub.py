"""How the partners app plugs into the shell: its part of the demo data (`register()`, called from
PartnersConfig.ready); the partner directory and hub are linked from the base template itself."""

from partnerportal import account_events, hub

from . import demo, services


def register():
    hub.demo_part("partners", demo.seed, order=10)
    account_events.register_recorder(services.account_event_record)  # the shell's account events
