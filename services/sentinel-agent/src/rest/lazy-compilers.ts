// Route schema compilers that compile on a route's first use, not when the app starts. fastify
// compiles every route's validators and response serialisers at `ready()`: about 40 TypeBox
// checkers and 40 fast-json-stringify functions (each a generated source kept in the heap, with
// ajv loaded to build them), while an agent's API serves a handful of routes in practice. The
// compilers are the ones fastify would use (TypeBox's for validation, as before, and fastify's own
// serialiser compiler), so a request is validated and answered exactly as before; only the time
// of compilation moves. fastify's serialiser factory is imported as a module (a require() resolved
// at run time from fastify's directory could not be inlined in the bundle, whose dist/ runs alone):
// what it compiles is built on a route's first use.
import { SerializerSelector } from "@fastify/fast-json-stringify-compiler";
import { TypeBoxValidatorCompiler } from "@fastify/type-provider-typebox";
import type { FastifySchemaCompiler, FastifySerializerCompiler, FastifyServerOptions } from "fastify";

type SerializerFactory = (
  external_schemas: unknown,
  serializer_options: unknown,
) => FastifySerializerCompiler<unknown>;
type ValidatorFactory = (external_schemas: unknown, ajv_options: unknown) => FastifySchemaCompiler<unknown>;

/** fastify's default serialiser factory (fast-json-stringify), the one fastify would use. */
function defaultSerializerFactory(): SerializerFactory {
  return SerializerSelector() as unknown as SerializerFactory;
}

const lazySerializerFactory: SerializerFactory = (external_schemas, serializer_options) => {
  let compiler: FastifySerializerCompiler<unknown> | null = null;
  return (route) => {
    let serialize: ((data: unknown) => string) | null = null;
    return (data) => {
      compiler ??= defaultSerializerFactory()(external_schemas, serializer_options);
      serialize ??= compiler(route);
      return serialize(data);
    };
  };
};

const lazyValidatorFactory: ValidatorFactory = () => (route) => {
  let validate: ReturnType<FastifySchemaCompiler<unknown>> | null = null;
  return (data: unknown) => {
    validate ??= (TypeBoxValidatorCompiler as FastifySchemaCompiler<unknown>)(route);
    return validate(data);
  };
};

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;

/**
 * fastify's `schemaController.compilersFactory`. Its types name ajv's factory (the default); fastify
 * calls any factory of the same shape, as `setValidatorCompiler` did with TypeBox's compiler.
 */
export const LAZY_SCHEMA_COMPILERS = {
  buildValidator: lazyValidatorFactory,
  buildSerializer: lazySerializerFactory,
} as unknown as CompilersFactory;
