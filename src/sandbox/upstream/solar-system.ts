/** The data of the guides' solar-system API: /planets (the silver resource) and /moons (the gold one). */

export interface Planet {
  name: string;
  order: number;
  type: 'terrestrial' | 'gas giant' | 'ice giant';
  moons: number;
}

export interface Moon {
  name: string;
  planet: string;
}

export const PLANETS: Planet[] = [
  { name: 'Mercury', order: 1, type: 'terrestrial', moons: 0 },
  { name: 'Venus', order: 2, type: 'terrestrial', moons: 0 },
  { name: 'Earth', order: 3, type: 'terrestrial', moons: 1 },
  { name: 'Mars', order: 4, type: 'terrestrial', moons: 2 },
  { name: 'Jupiter', order: 5, type: 'gas giant', moons: 95 },
  { name: 'Saturn', order: 6, type: 'gas giant', moons: 146 },
  { name: 'Uranus', order: 7, type: 'ice giant', moons: 28 },
  { name: 'Neptune', order: 8, type: 'ice giant', moons: 16 },
];

export const MOONS: Moon[] = [
  { name: 'Moon', planet: 'Earth' },
  { name: 'Phobos', planet: 'Mars' },
  { name: 'Deimos', planet: 'Mars' },
  { name: 'Io', planet: 'Jupiter' },
  { name: 'Europa', planet: 'Jupiter' },
  { name: 'Ganymede', planet: 'Jupiter' },
  { name: 'Callisto', planet: 'Jupiter' },
  { name: 'Titan', planet: 'Saturn' },
  { name: 'Enceladus', planet: 'Saturn' },
  { name: 'Titania', planet: 'Uranus' },
  { name: 'Oberon', planet: 'Uranus' },
  { name: 'Triton', planet: 'Neptune' },
];
