"""``python -m backend.verify``: the offline verifier (``backend.certificates.offline``) by a
shorter name, with the same arguments (``--keys``, ``--revocations``, ``--today``)."""

import sys

from backend.certificates.offline import main

if __name__ == "__main__":
    sys.exit(main())
