// Builds the sources a config names.

import type { Config } from '../config/schema.ts';
import { GeneratorSource } from './generator.ts';
import { KafkaSource } from './kafka/source.ts';
import { NdjsonSource } from './ndjson.ts';
import type { Source } from '../core/source.ts';

export function createSources(configs: Config['sources']): Source[] {
  return configs.map((source, index): Source => {
    switch (source.type) {
      case 'generator':
        return new GeneratorSource(source);
      case 'ndjson':
        return new NdjsonSource(source);
      case 'kafka':
        return new KafkaSource(source, { configPath: `sources[${index}]` });
    }
  });
}
