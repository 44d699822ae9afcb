import { describeMatrix } from './matrix';

describeMatrix(['redis']);
