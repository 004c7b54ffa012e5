"""Entry point for ``python -m card_reader``."""

from card_reader.cli import main

raise SystemExit(main())
