from wbreport.cli import main

main()
