x = where(ones(2) > 0, ones(3), ones(4))
