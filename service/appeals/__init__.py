"""Appeals against a restriction (DSA Art. 20): by the author, within six months, decided by a
person other than the one who decided the restriction."""
