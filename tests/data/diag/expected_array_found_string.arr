x = sin("hello")
