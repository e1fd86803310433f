y = [true, false, true]
