from kaizen.cli import main

main()
