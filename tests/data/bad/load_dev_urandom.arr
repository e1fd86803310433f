x = load("/dev/urandom")
