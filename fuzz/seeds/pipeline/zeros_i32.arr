y = zeros(4, dtype=i32)
