save(42, ones(3))
