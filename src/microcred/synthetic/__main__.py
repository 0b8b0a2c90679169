"""`python -m microcred.synthetic`: write the synthetic exports (data/raw and the example)."""

from microcred.synthetic.generator import main

main()
