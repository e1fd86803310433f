x = zeros(3, dtype="float")
