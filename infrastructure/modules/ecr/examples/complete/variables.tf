# The example takes no inputs: every value is written out in main.tf.
