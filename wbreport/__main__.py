from wbreport.cli import main

if __name__ == "__main__":  # spawned processes (dask workers) import this module too
    main()
