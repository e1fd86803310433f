y = where(true, 1)
