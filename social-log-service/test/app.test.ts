import { describeServiceBasics } from '@cloud-backend/shared/testing';
import { SERVICE } from '../src/app.js';
import { build } from './helper.js';

describeServiceBasics({ service: SERVICE, build: () => build(), readiness: ['database'] });
