from outletcrm.cli import main

main()
