x = load(42)
