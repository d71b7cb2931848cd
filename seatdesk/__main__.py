from seatdesk.cli import main

raise SystemExit(main())
