x = load("/dev/zero")
