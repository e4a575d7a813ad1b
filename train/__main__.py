import sys

from hadath.train.cli import main

sys.exit(main())
