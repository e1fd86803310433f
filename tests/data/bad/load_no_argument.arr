x = load()
