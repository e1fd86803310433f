x = load("a\qb.npy")
