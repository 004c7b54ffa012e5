"""``flask supervision …``: the intake's credentials, the writers, the store's upkeep."""

from backend.transactions import CommandGroup

supervision_cli = CommandGroup("supervision", help="The supervision platform's data feed.")
