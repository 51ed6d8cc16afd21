import sys

from leumund.cli import main

sys.exit(main())
