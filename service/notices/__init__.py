"""Legal notices (DSA Art. 16) and Korea's temporary measure (ICN Act Art. 44-2): anyone flags a
comment as illegal or as infringing their rights; a rights notice hides the comment at once for
a period in which its author may object and a moderator decides."""
