// Importing a layer module registers its kinds and its tfjs classes.
import './pointwise.js';
import './window.js';
import './norm.js';
import './reduce.js';
import './losses.js';
import './masks.js';
import './rnn.js';

export * from './registry.js';
