from cs.cli import main

raise SystemExit(main())
