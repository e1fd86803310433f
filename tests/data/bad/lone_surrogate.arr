x = 1  # í € is an encoded surrogate
