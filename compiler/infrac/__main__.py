import sys

from infrac.cli import main

sys.exit(main())
