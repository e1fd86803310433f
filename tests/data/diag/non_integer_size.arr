x = zeros(2.5)
