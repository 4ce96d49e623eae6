"""The peer for bench/augment.py's API round trip: a bare Gradio app that echoes an image back."""

import gradio as gr

with gr.Blocks() as demo:
    image = gr.Image(type="filepath")
    echoed = gr.Image(type="filepath")
    image.change(lambda path: path, image, echoed, api_name="echo")

if __name__ == "__main__":
    demo.launch()
