# 日本語 and 😀 before the error take two columns each: the caret stays under it.
label = "日本語😀"; y = [1.0, 2.0] + nope
