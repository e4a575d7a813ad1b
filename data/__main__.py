import sys

from hadath.data.cli import main

sys.exit(main())
