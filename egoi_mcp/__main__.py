from egoi_mcp.cli import main

main()
