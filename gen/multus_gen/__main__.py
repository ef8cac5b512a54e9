from multus_gen.cli import main

main()
