a = "a\qb"
b = "tab\tok"
c = "\x41 and \u00e9"
