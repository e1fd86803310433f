x = load(".")
