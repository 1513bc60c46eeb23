import sys

from asamblea.cli.main import main

sys.exit(main())
