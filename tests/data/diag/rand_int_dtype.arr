x = rand(3, dtype=i32)
