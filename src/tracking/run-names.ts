import { randomInt } from 'node:crypto';

// Word lists in the spirit of MLflow's generated run names ("bright-owl-412").
const ADJECTIVES = [
  'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'curious', 'dapper', 'eager', 'fancy', 'gentle',
  'glad', 'honest', 'humble', 'jolly', 'keen', 'lively', 'lucky', 'merry', 'mighty', 'nimble', 'noble', 'polite',
  'proud', 'quick', 'quiet', 'rare', 'shy', 'silent', 'smooth', 'steady', 'sunny', 'swift', 'tidy', 'vivid', 'warm', 'wise',
];
const NOUNS = [
  'ant', 'bat', 'bear', 'bee', 'crab', 'crow', 'deer', 'dove', 'duck', 'eel', 'elk', 'finch', 'fox', 'frog', 'goat',
  'hare', 'hawk', 'heron', 'jay', 'koi', 'lark', 'lynx', 'mole', 'moth', 'newt', 'otter', 'owl', 'panda', 'quail',
  'ram', 'seal', 'snail', 'swan', 'toad', 'trout', 'vole', 'wasp', 'whale', 'wolf', 'wren', 'yak',
];

/** A readable random run name such as `bright-owl-412`. */
export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
