"""The return shipping a shopper chose for a case: the option, the carrier, the branch or pickup address."""
