import sys

from hadath.inference.cli import main

sys.exit(main())
