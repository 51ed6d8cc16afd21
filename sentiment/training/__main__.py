"""`python -m sentiment.training`: build the bundled model."""

import sys

from sentiment.training.cli import main

sys.exit(main())
